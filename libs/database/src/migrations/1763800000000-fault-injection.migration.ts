import type { MigrationInterface, QueryRunner } from 'typeorm';

/** The operator's run-time fault overrides: one row shared by every API and worker process. */
export class FaultInjection1763800000000 implements MigrationInterface {
  name = 'FaultInjection1763800000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE fault_injection_overrides (
        id          smallint     PRIMARY KEY DEFAULT 1 CHECK (id = 1),
        overrides   jsonb        NOT NULL,
        expires_at  timestamptz,
        updated_at  timestamptz  NOT NULL DEFAULT now()
      )`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE fault_injection_overrides`);
  }
}
