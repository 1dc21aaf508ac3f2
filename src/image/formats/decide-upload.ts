import { ImageFormatError, type Inspection } from './inspector.js';

/** Formats the inspector can recognise; other disk formats (ami, ari, aki, ploop) it cannot. */
const INSPECTABLE = new Set(['raw', 'qcow2', 'vmdk', 'vhd', 'vhdx', 'vdi', 'iso', 'gpt']);

/** The upload is refused with this message (400). */
export class InvalidImageData extends Error {}

export interface UploadFacts {
  diskFormat: string | null;
  containerFormat: string | null;
  inspection: Inspection | ImageFormatError;
  requireFormatMatch: boolean;
  gptSafetyChecksNonfatal?: readonly string[];
}

/**
 * Glance's verdict once an upload's bytes are in (location.py, ImageProxy.set_data):
 * the virtual_size to record, or InvalidImageData. The content must match disk_format
 * for bare images (raw may hold anything; formats the inspector cannot recognise pass
 * when the bytes look raw). Stricter than Glance in one way: safety checks apply to
 * every image, whatever its container format, since a qcow2 with a backing file is as
 * dangerous inside an "ovf" label as inside a "bare" one.
 */
export function decideUpload(facts: UploadFacts): { virtualSize: number | null } {
  const { inspection } = facts;
  if (inspection instanceof ImageFormatError) {
    if (facts.requireFormatMatch && facts.containerFormat === 'bare') throw new InvalidImageData('Image format inspection failed');
    return { virtualSize: null };
  }
  const fatal = Object.keys(inspection.safetyFailures).filter((name) => inspection.format !== 'gpt' || !(facts.gptSafetyChecksNonfatal ?? []).includes(name));
  if (fatal.length > 0) throw new InvalidImageData('Image failed safety checks');
  if (facts.containerFormat !== 'bare') return { virtualSize: null };
  if (inspection.format === facts.diskFormat) return { virtualSize: inspection.virtualSize };
  if (inspection.format === 'raw' && !INSPECTABLE.has(facts.diskFormat ?? '')) return { virtualSize: null };
  // Claimed raw but holds a richer format: allowed (it passed the safety checks above),
  // and sized as raw, the way the hypervisor will see it.
  if (facts.diskFormat === 'raw') return { virtualSize: inspection.actualSize };
  if (facts.requireFormatMatch) throw new InvalidImageData(`Image disk_format ${facts.diskFormat ?? 'None'} does not match stream data ${inspection.format}`);
  return { virtualSize: null };
}
