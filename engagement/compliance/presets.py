"""Rule presets a tenant can apply: ``healthcare_de``, ``finance``, ``pharma`` and ``generic``.

Each rule has a stable ``key`` within its preset: applying a preset again adds only the rules
the tenant does not have yet (a rule the tenant edited keeps its edits). Language-specific
rules carry their locale. The wording is a starting point for the tenant's own compliance
team, drawn from the German advertising law for medicines and medical devices (HWG: no promises
of cure or guaranteed success, no claims of no side effects, no fear advertising, no
prescription-only medicines advertised to the public, no individual medical advice online) and
from common financial-promotion rules. It is guidance, not legal advice.
"""

from __future__ import annotations

from typing import Any

PRESETS: dict[str, dict[str, Any]] = {
    "healthcare_de": {
        "description": "Healthcare and MedTech (HWG): promises of cure, no side effects, fear advertising, individual medical advice, patient data.",
        "rules": [
            {
                "key": "cure_promises_de",
                "kind": "terms",
                "severity": "block",
                "locales": ["de"],
                "message": "Heilversprechen und Erfolgsgarantien sind in der Gesundheitswerbung verboten (§ 3 HWG).",
                "terms": [
                    "heilt garantiert", "garantierte Heilung", "Heilung garantiert", "Heilungsgarantie",
                    "Heilversprechen", "Erfolgsgarantie", "Erfolg garantiert", "garantierter Erfolg",
                    "garantiert wirksam", "100 % wirksam", "hundertprozentig wirksam", "immer wirksam",
                    "Wundermittel", "Wunderheilung", "endgültig geheilt", "für immer geheilt",
                    "nie wieder Schmerzen", "sofort schmerzfrei", "heilt jede", "heilt alle",
                ],
            },
            {
                "key": "cure_promises_en",
                "kind": "terms",
                "severity": "block",
                "locales": ["en"],
                "message": "Promises of cure or guaranteed success are not allowed in health advertising.",
                "terms": [
                    "guaranteed cure", "guaranteed to cure", "cures all", "cure for everything",
                    "guaranteed results", "guaranteed success", "100% effective", "always effective",
                    "miracle cure", "wonder drug", "cured forever", "never feel pain again", "instant relief guaranteed",
                ],
            },
            {
                "key": "no_side_effects_de",
                "kind": "terms",
                "severity": "block",
                "locales": ["de"],
                "message": "Aussagen, ein Mittel sei frei von Nebenwirkungen oder risikolos, sind unzulässig (§ 3 HWG).",
                "terms": [
                    "keine Nebenwirkungen", "ohne Nebenwirkungen", "frei von Nebenwirkungen", "nebenwirkungsfrei",
                    "völlig unbedenklich", "absolut unbedenklich", "völlig risikolos", "ohne jedes Risiko",
                    "100 % verträglich", "absolut sicher",
                ],
            },
            {
                "key": "no_side_effects_en",
                "kind": "terms",
                "severity": "block",
                "locales": ["en"],
                "message": "Claims that a product has no side effects or no risk are not allowed.",
                "terms": [
                    "no side effects", "without side effects", "free of side effects", "side-effect free",
                    "side effect free", "completely harmless", "completely safe", "zero risk", "risk-free",
                ],
            },
            {
                "key": "fear_advertising_de",
                "kind": "terms",
                "severity": "warn",
                "locales": ["de"],
                "message": "Angstwerbung vermeiden: keine Aussagen, die Angst erregen oder ausnutzen (§ 11 HWG).",
                "terms": [
                    "bevor es zu spät ist", "Sie riskieren Ihr Leben", "lebensgefährlich", "Todesgefahr",
                    "tödliche Gefahr", "es kann jeden treffen", "Sie könnten sterben", "wenn Sie jetzt nicht handeln",
                ],
            },
            {
                "key": "fear_advertising_en",
                "kind": "terms",
                "severity": "warn",
                "locales": ["en"],
                "message": "Avoid fear advertising: no statements that arouse or exploit fear.",
                "terms": [
                    "before it's too late", "before it is too late", "you could die", "risking your life",
                    "deadly danger", "it could happen to you", "if you don't act now",
                ],
            },
            {
                "key": "medical_advice_de",
                "kind": "terms",
                "severity": "warn",
                "locales": ["de"],
                "message": "Keine individuelle Beratung, Diagnose oder Dosierungsempfehlung online: auf die Sprechstunde verweisen.",
                "terms": [
                    "in Ihrem Fall", "in deinem Fall", "Ihre Diagnose", "deine Diagnose", "schicken Sie mir Ihre Symptome",
                    "schreib mir deine Symptome", "Ferndiagnose", "nehmen Sie täglich", "ich empfehle Ihnen die Einnahme",
                    "setzen Sie das Medikament ab", "erhöhen Sie die Dosis", "Dosierungsempfehlung",
                ],
            },
            {
                "key": "medical_advice_en",
                "kind": "terms",
                "severity": "warn",
                "locales": ["en"],
                "message": "No individual medical advice, diagnosis or dosage online: refer to a consultation.",
                "terms": [
                    "in your case", "your diagnosis", "send me your symptoms", "DM me your symptoms",
                    "you should take", "stop taking your", "increase your dose", "dosage recommendation",
                ],
            },
            {
                "key": "dosage",
                "kind": "regex",
                "severity": "warn",
                "message": "Dosage information looks like individual medical advice; leave it to the consultation.",
                "pattern": r"(?i)\b\d+(?:[.,]\d+)?\s?(?:mg|µg|mcg|ml|i\.?\s?e\.)\s?(?:/|pro|per|täglich|daily|am Tag|a day)",
            },
            {
                "key": "patient_data",
                "kind": "pii",
                "severity": "block",
                "message": "Patient data and other personal data must never be posted (medical confidentiality, GDPR Art. 9).",
            },
            {
                "key": "patient_context_de",
                "kind": "terms",
                "severity": "warn",
                "locales": ["de"],
                "message": "Klingt nach Patientendaten: Schweigepflicht und Datenschutz beachten, nichts Identifizierbares posten.",
                "terms": [
                    "Patientenakte", "Krankenakte", "Arztbrief", "Befundbericht", "mein Patient", "meine Patientin",
                    "unser Patient", "unsere Patientin", "Patientenfoto", "Röntgenbild von", "Zimmernummer",
                ],
            },
            {
                "key": "patient_context_en",
                "kind": "terms",
                "severity": "warn",
                "locales": ["en"],
                "message": "Sounds like patient data: respect medical confidentiality, post nothing identifiable.",
                "terms": ["patient record", "medical record", "my patient", "our patient", "patient photo", "x-ray of", "room number"],
            },
        ],
    },
    "finance": {
        "description": "Financial services: guaranteed returns, risk-free claims, performance promises, inside information.",
        "rules": [
            {
                "key": "guaranteed_returns_de",
                "kind": "terms",
                "severity": "block",
                "locales": ["de"],
                "message": "Keine garantierten Renditen oder Gewinne versprechen.",
                "terms": [
                    "garantierte Rendite", "Rendite garantiert", "Renditegarantie", "garantierter Gewinn",
                    "Gewinn garantiert", "Gewinngarantie", "garantierte Zinsen", "garantierter Ertrag",
                    "sichere Rendite", "sicherer Gewinn",
                ],
            },
            {
                "key": "guaranteed_returns_en",
                "kind": "terms",
                "severity": "block",
                "locales": ["en"],
                "message": "Do not promise guaranteed returns or profits.",
                "terms": ["guaranteed return", "guaranteed returns", "guaranteed profit", "guaranteed income", "assured returns", "guaranteed yield"],
            },
            {
                "key": "risk_free_de",
                "kind": "terms",
                "severity": "block",
                "locales": ["de"],
                "message": "Geldanlagen nicht als risikolos darstellen: jede Anlage hat Risiken.",
                "terms": ["risikolos", "risikofrei", "ohne Risiko", "kein Risiko", "null Risiko", "absolut sicher", "100 % sicher", "todsicher", "Verlust ausgeschlossen"],
            },
            {
                "key": "risk_free_en",
                "kind": "terms",
                "severity": "block",
                "locales": ["en"],
                "message": "Do not present investments as free of risk.",
                "terms": ["risk-free", "risk free", "no risk", "zero risk", "can't lose", "cannot lose", "safe bet", "sure thing"],
            },
            {
                "key": "performance_promises_de",
                "kind": "terms",
                "severity": "warn",
                "locales": ["de"],
                "message": "Keine Performance-Versprechen oder Kursprognosen: frühere Wertentwicklung ist kein Indikator für die Zukunft.",
                "terms": [
                    "verdoppeln Sie Ihr Geld", "Geld verdoppeln", "schnell reich", "Traumrendite", "Kursexplosion",
                    "steigt garantiert", "wird sicher steigen", "Geheimtipp", "sichere Wertsteigerung", "jetzt einsteigen",
                ],
            },
            {
                "key": "performance_promises_en",
                "kind": "terms",
                "severity": "warn",
                "locales": ["en"],
                "message": "No performance promises or price predictions: past performance does not indicate future results.",
                "terms": ["double your money", "get rich quick", "to the moon", "will go up", "can't miss", "beat the market guaranteed", "buy now before"],
            },
            {
                "key": "return_figures",
                "kind": "regex",
                "severity": "warn",
                "message": "Concrete return figures need the mandatory risk notes; have this post approved.",
                "pattern": r"(?i)\b\d{1,3}(?:[.,]\d{1,2})?\s?%\s*(?:Rendite|Zinsen|Ertrag|Gewinn|p\.\s?a\.|pro Jahr|im Jahr|return|returns|yield|per year|a year)",
            },
            {
                "key": "inside_information",
                "kind": "terms",
                "severity": "block",
                "message": "Never share inside information or unpublished results (market abuse).",
                "terms": [
                    "Insiderinformation", "Insidertipp", "Insider-Tipp", "vor Veröffentlichung der Zahlen", "Quartalszahlen vorab",
                    "insider information", "inside information", "insider tip", "before the earnings release", "unpublished results",
                ],
            },
        ],
    },
    "pharma": {
        "description": "Pharma: prescription-only medicines and active substances must not be advertised to the public (§ 10 HWG).",
        "rules": [
            {
                "key": "prescription_only",
                "kind": "terms",
                "severity": "block",
                "message": "Prescription-only medicines must not be named or advertised to the public (§ 10 HWG).",
                "terms": [
                    "Semaglutid", "Ozempic", "Wegovy", "Tirzepatid", "Mounjaro", "Liraglutid", "Adalimumab", "Humira",
                    "Atorvastatin", "Simvastatin", "Sildenafil", "Viagra", "Tadalafil", "Cialis", "Metformin",
                    "Amoxicillin", "Isotretinoin", "Finasterid", "Tramadol", "Oxycodon", "Tilidin", "Methylphenidat",
                    "Ritalin", "Pembrolizumab", "Keytruda", "Apixaban", "Eliquis", "Rivaroxaban", "Xarelto",
                    "Levothyroxin", "L-Thyroxin", "Botulinumtoxin", "Botox", "Lorazepam", "Diazepam", "Zolpidem",
                    "Sertralin", "Citalopram", "Prednisolon", "Insulin glargin",
                ],
            },
            {
                "key": "prescription_wording_de",
                "kind": "terms",
                "severity": "warn",
                "locales": ["de"],
                "message": "Werbung für verschreibungspflichtige Arzneimittel ist gegenüber Laien verboten: prüfen lassen.",
                "terms": ["verschreibungspflichtig", "rezeptpflichtig", "auf Rezept", "fragen Sie Ihren Arzt nach", "lassen Sie sich verschreiben", "Off-Label", "nicht zugelassene Anwendung"],
            },
            {
                "key": "prescription_wording_en",
                "kind": "terms",
                "severity": "warn",
                "locales": ["en"],
                "message": "Prescription-only medicines must not be promoted to the public: have this post reviewed.",
                "terms": ["prescription-only", "prescription drug", "ask your doctor for", "get a prescription for", "off-label", "unapproved use"],
            },
            {
                "key": "no_side_effects",
                "kind": "terms",
                "severity": "block",
                "message": "Claims of no side effects are not allowed (§ 3 HWG).",
                "terms": ["keine Nebenwirkungen", "ohne Nebenwirkungen", "nebenwirkungsfrei", "no side effects", "without side effects", "side-effect free"],
            },
            {
                "key": "adverse_events",
                "kind": "terms",
                "severity": "warn",
                "message": "A possible adverse event: report it to pharmacovigilance instead of discussing it in public.",
                "terms": ["Nebenwirkung gehabt", "Nebenwirkungen bekommen", "vertrage das Medikament nicht", "had a side effect", "adverse reaction"],
            },
        ],
    },
    "generic": {
        "description": "Every program: disclosure of the employment relationship, personal data, link limits, insults, confidential material.",
        "rules": [
            {
                "key": "employee_disclosure",
                "kind": "disclosure",
                "severity": "block",
                "message": "Disclose that you work for the company (e.g. #Mitarbeiter, #employee, #Werbung).",
                "terms": [
                    "#Mitarbeiter", "#Mitarbeiterin", "#MitarbeiterInnen", "#Werbung", "#Anzeige", "#employee", "#ad",
                    "#CorporateInfluencer", "#EmployeeAdvocacy", "ich arbeite bei", "ich arbeite für", "mein Arbeitgeber",
                    "meinem Arbeitgeber", "I work at", "I work for", "my employer",
                ],
            },
            {
                "key": "personal_data",
                "kind": "pii",
                "severity": "block",
                "message": "Do not post personal data (e-mail addresses, phone numbers, bank or health-insurance numbers).",
            },
            {
                "key": "link_limit",
                "kind": "link_limit",
                "severity": "warn",
                "max_links": 2,
                "message": "At most two links per post.",
            },
            {
                "key": "link_limit_x",
                "kind": "link_limit",
                "severity": "warn",
                "max_links": 1,
                "platforms": ["x"],
                "message": "At most one link per post on X.",
            },
            {
                "key": "insults_de",
                "kind": "terms",
                "severity": "warn",
                "locales": ["de"],
                "message": "Bleib respektvoll: keine Beleidigungen oder Kraftausdrücke.",
                "terms": ["Idiot", "Vollidiot", "Depp", "Trottel", "Arschloch", "Scheiße", "Scheiß", "Mistkerl", "Vollpfosten", "Schwachkopf", "Lügenpresse"],
            },
            {
                "key": "insults_en",
                "kind": "terms",
                "severity": "warn",
                "locales": ["en"],
                "message": "Stay respectful: no insults or profanity.",
                "terms": ["idiot", "moron", "stupid", "loser", "asshole", "bullshit", "shit", "dumbass"],
            },
            {
                "key": "confidential_material",
                "kind": "confidential",
                "severity": "warn",
                "message": "This sounds like internal or confidential material; make sure it is approved for the public.",
                "terms": ["streng vertraulich", "nur für den internen Gebrauch", "nicht zur Veröffentlichung", "interne Unterlage", "confidential", "internal only", "not for publication", "under NDA"],
            },
        ],
    },
}

NAMES = tuple(PRESETS)


def get(name: str) -> dict[str, Any] | None:
    return PRESETS.get(name)
