import { FAULT_LIMITS } from '@app/config';
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsBoolean, IsInt, IsNumber, IsObject, IsOptional, Max, Min, ValidateNested } from 'class-validator';

const MAX_LATENCY_MS = FAULT_LIMITS.maxLatencyMs;
const MAX_DURATION_SECONDS = FAULT_LIMITS.maxDurationSeconds;

export class PaymentFaultsDto {
  @ApiPropertyOptional({
    description: 'Share of charges declined at random',
    minimum: 0,
    maximum: 1,
    example: 0.3,
  })
  @IsOptional()
  @IsNumber({ allowNaN: false, allowInfinity: false })
  @Min(0)
  @Max(1)
  declineRate?: number;

  @ApiPropertyOptional({ description: 'Every provider call fails as unavailable (retried, then FAILED)' })
  @IsOptional()
  @IsBoolean()
  outage?: boolean;

  @ApiPropertyOptional({
    description: 'Delay of every provider call in ms',
    type: 'integer',
    minimum: 0,
    maximum: MAX_LATENCY_MS,
  })
  @IsOptional()
  @IsInt()
  @Min(0)
  @Max(MAX_LATENCY_MS)
  latencyMs?: number;
}

export class CarrierFaultsDto {
  @ApiPropertyOptional({ description: 'Share of shipment bookings that fail', minimum: 0, maximum: 1 })
  @IsOptional()
  @IsNumber({ allowNaN: false, allowInfinity: false })
  @Min(0)
  @Max(1)
  failureRate?: number;

  @ApiPropertyOptional({
    description: 'Delay of every booking in ms',
    type: 'integer',
    minimum: 0,
    maximum: MAX_LATENCY_MS,
  })
  @IsOptional()
  @IsInt()
  @Min(0)
  @Max(MAX_LATENCY_MS)
  latencyMs?: number;
}

export class DatabaseFaultsDto {
  @ApiPropertyOptional({
    description: 'Delay before each affected SQL statement in ms, holding its connection',
    type: 'integer',
    minimum: 0,
    maximum: MAX_LATENCY_MS,
  })
  @IsOptional()
  @IsInt()
  @Min(0)
  @Max(MAX_LATENCY_MS)
  latencyMs?: number;

  @ApiPropertyOptional({ description: 'Share of statements affected', minimum: 0, maximum: 1, default: 1 })
  @IsOptional()
  @IsNumber({ allowNaN: false, allowInfinity: false })
  @Min(0)
  @Max(1)
  ratio?: number;
}

/** The faults to inject from now on; what is left out takes its configured value. */
export class FaultOverridesDto {
  @ApiPropertyOptional({ type: PaymentFaultsDto })
  @IsOptional()
  @IsObject()
  @ValidateNested()
  @Type(() => PaymentFaultsDto)
  payment?: PaymentFaultsDto;

  @ApiPropertyOptional({ type: CarrierFaultsDto })
  @IsOptional()
  @IsObject()
  @ValidateNested()
  @Type(() => CarrierFaultsDto)
  carrier?: CarrierFaultsDto;

  @ApiPropertyOptional({ type: DatabaseFaultsDto })
  @IsOptional()
  @IsObject()
  @ValidateNested()
  @Type(() => DatabaseFaultsDto)
  database?: DatabaseFaultsDto;

  @ApiPropertyOptional({
    description: 'Seconds after which the overrides lapse by themselves (none: until cleared)',
    type: 'integer',
    minimum: 1,
    maximum: MAX_DURATION_SECONDS,
    example: 600,
  })
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(MAX_DURATION_SECONDS)
  durationSeconds?: number;
}

class PaymentSettingsView {
  @ApiProperty() declineRate!: number;
  @ApiProperty() outage!: boolean;
  @ApiProperty({ type: 'integer' }) latencyMs!: number;
}

class CarrierSettingsView {
  @ApiProperty() failureRate!: number;
  @ApiProperty({ type: 'integer' }) latencyMs!: number;
}

class DatabaseSettingsView {
  @ApiProperty({ type: 'integer' }) latencyMs!: number;
  @ApiProperty() ratio!: number;
}

class FaultSettingsView {
  @ApiProperty({ type: PaymentSettingsView }) payment!: PaymentSettingsView;
  @ApiProperty({ type: CarrierSettingsView }) carrier!: CarrierSettingsView;
  @ApiProperty({ type: DatabaseSettingsView }) database!: DatabaseSettingsView;
}

export class FaultInjectionResponse {
  @ApiProperty({ type: FaultSettingsView, description: 'From the environment' })
  configured!: FaultSettingsView;

  @ApiProperty({ type: FaultOverridesDto, description: 'Switched on at run time' })
  overrides!: FaultOverridesDto;

  @ApiProperty({ type: FaultSettingsView, description: 'In force in every process' })
  effective!: FaultSettingsView;

  @ApiProperty({ example: ['payment_decline'], description: 'Faults in force (fault_injection_active)' })
  active!: string[];

  @ApiProperty({ type: String, nullable: true, format: 'date-time' })
  expiresAt!: string | null;

  @ApiProperty({ type: String, nullable: true, format: 'date-time' })
  updatedAt!: string | null;
}
