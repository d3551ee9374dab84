import { parentPort, workerData } from 'node:worker_threads';
import { prepareMessage } from '../../src/pipeline.js';
import { watchMatcher } from '../../src/engine/config.js';
import { splitMbox } from '../../src/ingest/mbox.js';
import { slim, type SlimPrepared } from './slim.js';
import { readPiece, type PieceRange } from './piece.js';

/**
 * Worker thread: reads and counts (or models) batches of raw messages. A batch arrives as one
 * transferred buffer with the end offset and index of each message, and goes back as slim
 * prepared messages in the same order.
 */
export interface BatchRequest {
  readonly kind: 'batch';
  readonly id: number;
  readonly data: ArrayBuffer;
  readonly ends: readonly number[];
  readonly indices: readonly number[];
}

/** A piece of an mbox file that the worker reads and splits itself (see piece.ts). */
export interface PieceRequest {
  readonly kind: 'piece';
  readonly id: number;
  readonly path: string;
  readonly range: PieceRange;
}

/** Items in input order; a piece's are numbered from 0 (the pool numbers them for the file). */
export type BatchReply = { readonly id: number; readonly items: readonly SlimPrepared[] } | { readonly id: number; readonly error: string };

const { watch, fastPath } = workerData as { watch: string[]; fastPath: boolean };
const isWatched = watchMatcher({ rules: {}, watch, waivers: [], trusted: [] });

parentPort?.on('message', (request: BatchRequest | PieceRequest) => {
  void (async () => {
    const items: SlimPrepared[] = [];
    if (request.kind === 'piece') {
      let bytes: Buffer;
      try {
        bytes = await readPiece(request.path, request.range);
      } catch (error) {
        parentPort?.postMessage({ id: request.id, error: (error as Error).message } satisfies BatchReply);
        return;
      }
      if (bytes.length > 0) {
        for await (const raw of splitMbox([bytes])) items.push(slim(await prepareMessage(raw, isWatched, fastPath)));
      }
    } else {
      const bytes = Buffer.from(request.data);
      let start = 0;
      for (let i = 0; i < request.ends.length; i++) {
        const end = request.ends[i]!;
        items.push(slim(await prepareMessage({ index: request.indices[i]!, bytes: bytes.subarray(start, end) }, isWatched, fastPath)));
        start = end;
      }
    }
    parentPort?.postMessage({ id: request.id, items } satisfies BatchReply);
  })();
});
