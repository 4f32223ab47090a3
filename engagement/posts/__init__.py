"""Posts: drafts, the approval chain, decisions and publications under the tenant's governance policy."""
