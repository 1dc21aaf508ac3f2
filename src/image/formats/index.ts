/** Disk image format inspection for uploads: detection, virtual size, safety checks. */
export { StreamingFormatInspector, ImageFormatError, HEAD_BYTES, type Inspection } from './inspector.js';
export { decideUpload, InvalidImageData, type UploadFacts } from './decide-upload.js';
export type { DetectedFormat } from './detectors.js';
