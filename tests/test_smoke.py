def test_world_has_two_isolated_tenants(world):
    a = world.a.api.get("/tenant").get_json()
    b = world.b.api.get("/tenant").get_json()
    assert a["id"] == str(world.a.tenant_id) and a["governance_mode"] == "containment"
    assert b["id"] == str(world.b.tenant_id) and b["governance_mode"] == "empowerment"
