/**
 * Scans a log directory's wal files for `mrl`: sizes and how many blocks hold
 * data, with a progress bar on stderr when it is a terminal.
 *
 * @module
 */
import { closeSync, openSync, readdirSync, readSync, statSync } from "node:fs";
import { join } from "node:path";
import { BLOCK_SIZE } from "../format/constants.ts";
import { parseWalFileName } from "../files/file_name.ts";
import type { CliIo } from "./io.ts";

/** One wal file as scanned. */
export interface FileInfo {
  name: string;
  size: number;
  blocks: number;
  blocksWithData: number;
}

/** Reads every wal file of `dir`, block by block. */
export function scanFiles(dir: string, io: CliIo): Promise<FileInfo[]> {
  // The wal files the log reads (file_name.ts), in file-number order.
  const names = readdirSync(dir)
    .map((name) => ({ name, number: parseWalFileName(name) }))
    .filter((f): f is { name: string; number: number } => f.number !== undefined)
    .sort((a, b) => a.number - b.number)
    .map((f) => f.name);
  const total = names.reduce((sum, n) => sum + statSync(join(dir, n)).size, 0);
  const buffer = new Uint8Array(BLOCK_SIZE * 32);
  const files: FileInfo[] = [];
  let done = 0;
  let shown = -1;
  for (const name of names) {
    const fd = openSync(join(dir, name), "r");
    const info: FileInfo = {
      name,
      size: statSync(join(dir, name)).size,
      blocks: 0,
      blocksWithData: 0,
    };
    try {
      for (let offset = 0;;) {
        const n = readSync(fd, buffer, 0, buffer.length, offset);
        if (n <= 0) break;
        for (let b = 0; b < n; b += BLOCK_SIZE) {
          info.blocks++;
          const end = Math.min(n, b + BLOCK_SIZE);
          for (let i = b; i < end; i++) {
            if (buffer[i] !== 0) {
              info.blocksWithData++;
              break;
            }
          }
        }
        offset += n;
        done += n;
        const percent = total === 0 ? 100 : Math.floor((done * 100) / total);
        if (io.isTty && percent !== shown) {
          shown = percent;
          const bar = "#".repeat(Math.floor(percent / 4)).padEnd(25, ".");
          io.err(`\rscanning [${bar}] ${percent}%`);
        }
      }
    } finally {
      closeSync(fd);
    }
    files.push(info);
  }
  if (io.isTty && shown >= 0) io.err("\r" + " ".repeat(40) + "\r");
  return Promise.resolve(files);
}
