-- Row-level security for the scheduling tables, the second line behind the tenant scope every
-- repository method takes (see 20261123000002_accounts.sql for how the policies work).
-- Keep in step with ../sqlite/20261123000003_scheduling_rls.sql.
ALTER TABLE schedules ENABLE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON schedules USING (organization_id = rdv_current_organization());
ALTER TABLE blocked_times ENABLE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON blocked_times USING (organization_id = rdv_current_organization());
ALTER TABLE event_types ENABLE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON event_types USING (organization_id = rdv_current_organization());
ALTER TABLE bookings ENABLE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON bookings USING (organization_id = rdv_current_organization());
ALTER TABLE booking_attendees ENABLE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON booking_attendees USING (organization_id = rdv_current_organization());
