/**
 * What `MultiRecordLog.summary()` and `resourceUsage()` report, put together from the directory
 * (the wal files and their sizes) and the committed queues (their positions
 * and the bytes they keep in each file).
 *
 * @module
 */
import type { WalDirectory } from "./files/directory.ts";
import { walFileName } from "./files/file_name.ts";
import type { MemQueues } from "./memory/queues.ts";
import type { LogSummary, QueueSummary, ResourceUsage } from "./options.ts";
import type { QueueCatalog } from "./queue_catalog.ts";

/** Each queue's first and last retained positions and oldest file; each file's size and users. */
export function summarize(dir: WalDirectory, queues: MemQueues): LogSummary {
  const summaries: Record<string, QueueSummary> = {};
  const files: LogSummary["files"] = {};
  for (const n of dir.fileNumbers()) {
    files[walFileName(n)] = { size: dir.sizeOf(n), queues: {} };
  }
  for (const [name, queue] of queues.entries()) {
    const end = queue.size > 0 ? queue.nextPosition() - 1 : undefined;
    summaries[name] = { start: queue.firstPosition(), end, fileNumber: queue.firstFile() };
    for (const [n, bytes] of queue.bytesByFile()) {
      (files[walFileName(n)] ??= { size: 0, queues: {} }).queues[name] = bytes;
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
