import { Module, type DynamicModule } from '@nestjs/common';
import { TerminusModule } from '@nestjs/terminus';
import { TypeOrmModule } from '@nestjs/typeorm';
import { databaseMetricProviders, QueryMetricsSubscriber } from './database-metrics';
import { DatabaseReadiness } from './database-readiness';
import { DATABASE_DEFAULTS, type DatabaseModuleOptions } from './database.options';
import { MIGRATIONS } from './migrations';

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
        TypeOrmModule.forRoot({
          type: 'postgres',
          url: settings.url,
          autoLoadEntities: true,
          synchronize: false,
          migrations: MIGRATIONS,
          migrationsRun: settings.runMigrations,
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
      ],
      providers: [...databaseMetricProviders, QueryMetricsSubscriber, DatabaseReadiness],
    };
  }
}
