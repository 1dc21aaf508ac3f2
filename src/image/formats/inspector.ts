import { DETECTORS, type DetectedFormat, type DetectorOptions } from './detectors.js';

/** How much of an image's beginning is kept for inspection. Every header, descriptor and
 * table the detectors read sits in it for images made by qemu-img, VirtualBox, VMware,
 * Hyper-V and ISO tools; a format whose tables lie further in is reported without a
 * virtual size rather than buffered. */
export const HEAD_BYTES = 4 * 1024 * 1024;

export interface Inspection {
  format: DetectedFormat;
  virtualSize: number | null;
  actualSize: number;
  /** Safety check name -> reason; empty when the image is safe to hand to qemu. */
  safetyFailures: Record<string, string>;
}

/** The bytes match more than one format in a way no real image does. */
export class ImageFormatError extends Error {}

/**
 * Watches an image stream go by: keeps its first HEAD_BYTES and counts the rest, so
 * memory is bounded and every chunk after the head costs one addition.
 */
export class StreamingFormatInspector {
  private readonly head = Buffer.allocUnsafe(HEAD_BYTES);
  private captured = 0;
  private total = 0;
  private readonly options: DetectorOptions;

  constructor(options: Partial<DetectorOptions> = {}) {
    this.options = { vmdkAllowedTypes: options.vmdkAllowedTypes ?? ['streamOptimized', 'monolithicSparse'] };
  }

  write(chunk: Buffer): void {
    this.total += chunk.length;
    if (this.captured < HEAD_BYTES) this.captured += chunk.copy(this.head, this.captured, 0, Math.min(chunk.length, HEAD_BYTES - this.captured));
  }

  /** Bytes held for inspection (bounded by HEAD_BYTES). */
  get retainedBytes(): number {
    return this.captured;
  }

  finish(): Inspection {
    const head = this.head.subarray(0, this.captured);
    const found = DETECTORS.map((d) => d(head, this.total, this.options)).filter((d) => d !== undefined);
    // Bootable ISOs legitimately carry a GPT in front of the volume descriptors.
    const chosen = found.length === 2 && found.some((d) => d.format === 'iso') && found.some((d) => d.format === 'gpt')
      ? found.find((d) => d.format === 'iso')
      : found.length > 1 ? undefined : found[0];
    if (found.length > 1 && !chosen) throw new ImageFormatError(`Image data matches several formats: ${found.map((d) => d.format).join(', ')}`);
    if (!chosen) return { format: 'raw', virtualSize: this.total, actualSize: this.total, safetyFailures: {} };
    return { format: chosen.format, virtualSize: chosen.virtualSize, actualSize: this.total, safetyFailures: chosen.failures };
  }
}
