export { openServiceDatabase, dropServiceDatabase, engineOf, ping, type ServiceDatabase, type ServiceDatabaseOptions, type DatabaseEngine } from './connect.js';
export { migrateToLatest, type MigrationSet } from './migrate.js';
export { withAutoIncrementId } from './columns.js';
export { isForeignKeyViolation, isUniqueViolation } from './errors.js';
