/** What the image service needs from its configuration, already resolved. */
export interface ImageSettings {
  imageSizeCap: number;
  limitParamDefault: number;
  apiLimitMax: number;
  /** null means unlimited. */
  memberQuota: number | null;
  propertyQuota: number | null;
  tagQuota: number | null;
  useKeystoneLimits: boolean;
  importMethods: readonly string[];
  showDirectUrl: boolean;
  dataDir: string;
  stagingDir: string;
  diskFormats: readonly string[];
  containerFormats: readonly string[];
  requireFormatMatch: boolean;
  vmdkAllowedTypes: readonly string[];
  gptSafetyChecksNonfatal: readonly string[];
}
