import type { MigrationInterface, QueryRunner } from 'typeorm';
import { migrationSettings } from './migration-settings.js';

/**
 * The platform admin edits a tenant's name and settings (PATCH /api/v1/admin/tenants/:id,
 * the web console's tenant settings). The platform role gets UPDATE on those two columns
 * only, never on `id` or `slug` (what users sign in with), and RLS still limits it to the
 * one tenant whose context it entered. The runtime role keeps no UPDATE on tenants: a
 * tenant still cannot raise its own quota.
 */
export class TenantSettingsUpdate1764000014000 implements MigrationInterface {
  name = 'TenantSettingsUpdate1764000014000';

  async up(q: QueryRunner): Promise<void> {
    const { platformRole } = migrationSettings();
    await q.query(`GRANT UPDATE (name, settings) ON tenants TO ${platformRole}`);
  }

  async down(q: QueryRunner): Promise<void> {
    const { platformRole } = migrationSettings();
    await q.query(`REVOKE UPDATE (name, settings) ON tenants FROM ${platformRole}`);
  }
}
