/**
 * What `MultiRecordLog.summary()` and `resourceUsage()` report, put together from the directory
 * (the wal files and their sizes) and the committed queues (their positions
 * and the bytes they keep in each file).
 *
 * @module
 */
import type { WalDirectory } from "../wal/directory.ts";
import { walFileName } from "../wal/file_name.ts";
import type { MemQueues } from "../memory/queues.ts";
import type { LogSummary, QueueSummary, ResourceUsage } from "../types.ts";
import type { QueueCatalog } from "./catalog.ts";

/**
 * A dictionary keyed by queue name: an object without a prototype, so that
 * every name (`__proto__`, `constructor`, `toString`, ...) is an own
 * property like any other and no lookup finds an inherited one.
 */
export function byName<T>(): Record<string, T> {
  return Object.create(null);
}

/** Each queue's first and last retained positions and oldest file; each file's size and users. */
export function summarize(dir: WalDirectory, queues: MemQueues): LogSummary {
  const summaries = byName<QueueSummary>();
  const files: LogSummary["files"] = byName();
  for (const n of dir.fileNumbers()) {
    files[walFileName(n)] = { size: dir.sizeOf(n), queues: byName() };
  }
  for (const [name, queue] of queues.entries()) {
    const end = queue.size > 0 ? queue.nextPosition() - 1 : undefined;
    summaries[name] = { start: queue.firstPosition(), end, fileNumber: queue.firstFile() };
    for (const [n, bytes] of queue.bytesByFile()) {
      (files[walFileName(n)] ??= { size: 0, queues: byName() }).queues[name] = bytes;
    }
  }
  return { queues: summaries, files };
}

/** Memory the queues hold and disk the wal files take. */
export function usage(dir: WalDirectory, catalog: QueueCatalog): ResourceUsage {
  return {
    memoryUsedBytes: catalog.memoryUsed(),
    memoryAllocatedBytes: catalog.memoryAllocated(),
    diskUsedBytes: dir.diskBytes,
  };
}
