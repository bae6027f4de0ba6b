export { bigintAsNumber } from './column-transformers';
export { DatabaseModule } from './database.module';
export { DATABASE_DEFAULTS } from './database.options';
export type { DatabaseModuleOptions } from './database.options';
export { startEmbeddedPostgres } from './embedded-postgres';
export type { EmbeddedPostgres, EmbeddedPostgresOptions } from './embedded-postgres';
export { MIGRATIONS } from './migrations';
export { decodeCursor, encodeCursor, InvalidCursorError } from './keyset-cursor';
export { returningRows } from './returning-rows';
