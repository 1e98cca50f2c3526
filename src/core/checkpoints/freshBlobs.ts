/**
 * The blobs one snapshot apply wrote: the size of each, and the bytes of those hashed in-process
 * while within a budget, so the validator and the line counts need not read them back. Apart
 * from the Snapshotter, which only fills it; the checkpoint service reads it.
 */

/** Bytes of freshly hashed content kept for the validator (per checkpoint). */
const FRESH_CONTENT_BYTES = 32 * 1024 * 1024;

export class FreshBlobs {
  /** Content of the blobs the last apply hashed in-process, by object id (bounded). */
  readonly content = new Map<string, Buffer>();
  /** Size of every blob the last apply wrote, by object id. */
  readonly sizes = new Map<string, number>();
  private bytes = 0;

  /** Forgets the last apply's blobs (a new apply begins). */
  clear(): void {
    this.content.clear();
    this.sizes.clear();
    this.bytes = 0;
  }

  /** Remembers a blob just written: its size, and its bytes while within the budget. */
  keep(oid: string, content: Buffer): void {
    this.sizes.set(oid, content.length);
    if (this.bytes + content.length <= FRESH_CONTENT_BYTES && !this.content.has(oid)) {
      this.content.set(oid, content);
      this.bytes += content.length;
    }
  }
}
