import { Module, type DynamicModule } from '@nestjs/common';
import { TerminusModule } from '@nestjs/terminus';
import { TypeOrmModule } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { databaseMetricProviders } from './database-metrics';
import { DatabaseReadiness } from './database-readiness';
import { DATABASE_DEFAULTS, type DatabaseModuleOptions } from './database.options';
import { MIGRATIONS } from './migrations';
import { runPendingMigrations } from './pending-migrations';
import { QUERY_SPAN_OPTIONS, QueryTelemetrySubscriber, type QuerySpanOptions } from './query-telemetry';

/** PostgreSQL through TypeORM: entities registered by each domain module, schema owned by migrations. */
@Module({})
export class DatabaseModule {
  static forRoot(options: DatabaseModuleOptions): DynamicModule {
    const settings = { ...DATABASE_DEFAULTS, ...options };
    return {
      module: DatabaseModule,
      global: true,
      imports: [
        TerminusModule,
        TypeOrmModule.forRootAsync({
          useFactory: () => ({
            type: 'postgres',
            url: settings.url,
            autoLoadEntities: true,
            synchronize: false,
            migrations: MIGRATIONS,
            // Run below, under a lock, rather than by TypeORM's initialize(): replicas start together.
            migrationsRun: false,
            migrationsTransactionMode: 'each',
            applicationName: settings.applicationName,
            // One attempt: the app starts or stops with a clear error; orchestrators restart it.
            retryAttempts: 0,
            extra: {
              max: settings.poolMax,
              connectionTimeoutMillis: settings.connectionTimeoutMs,
              statement_timeout: settings.statementTimeoutMs,
            },
          }),
          dataSourceFactory: async (dataSourceOptions) => {
            const dataSource = await new DataSource(dataSourceOptions!).initialize();
            if (!settings.runMigrations) return dataSource;
            try {
              await runPendingMigrations(dataSource);
              return dataSource;
            } catch (error) {
              await dataSource.destroy().catch(() => undefined);
              throw error;
            }
          },
        }),
      ],
      providers: [
        ...databaseMetricProviders,
        {
          provide: QUERY_SPAN_OPTIONS,
          useValue: { thresholdMs: settings.spanThresholdMs } satisfies QuerySpanOptions,
        },
        // Joins the data source only when metrics or tracing are on in the process.
        QueryTelemetrySubscriber,
        DatabaseReadiness,
      ],
    };
  }
}
