/** The compute metadata service (Nova's nova-api-metadata) and the document builders the config drive shares. */
export { createMetadataApp } from './app.js';
export { configDriveFiles, type ConfigDriveOptions } from './config-drive.js';
export { MetadataService } from './service.js';
export type { MetadataSettings } from './settings.js';
export type { MetadataSource, SubnetFacts, VifFacts } from './source.js';
export { signInstanceId } from '../contract/metadata-signature.js';
