import { Column, Entity, PrimaryColumn } from 'typeorm';

/**
 * The faults an operator switched on at run time. One row, shared by every API and worker process, so a
 * switch reaches all replicas, survives restarts, and is undone by deleting the row or when it expires.
 */
@Entity({ name: 'fault_injection_overrides' })
export class FaultOverridesEntity {
  @PrimaryColumn({ type: 'smallint', default: 1 })
  id!: number;

  @Column({ type: 'jsonb' })
  overrides!: Record<string, unknown>;

  @Column({ name: 'expires_at', type: 'timestamptz', nullable: true })
  expiresAt!: Date | null;

  @Column({ name: 'updated_at', type: 'timestamptz' })
  updatedAt!: Date;
}

/** The single row's primary key. */
export const FAULT_OVERRIDES_ROW = 1;
