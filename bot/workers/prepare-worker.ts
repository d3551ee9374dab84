import { parentPort, workerData } from 'node:worker_threads';
import { prepareMessage } from '../../src/pipeline.js';
import { watchMatcher } from '../../src/engine/config.js';
import { slim, type SlimPrepared } from './slim.js';

/**
 * Worker thread: reads and counts (or models) batches of raw messages. A batch arrives as one
 * transferred buffer with the end offset and index of each message, and goes back as slim
 * prepared messages in the same order.
 */
export interface BatchRequest {
  readonly id: number;
  readonly data: ArrayBuffer;
  readonly ends: readonly number[];
  readonly indices: readonly number[];
}

export interface BatchReply {
  readonly id: number;
  readonly items: readonly SlimPrepared[];
}

const { watch, fastPath } = workerData as { watch: string[]; fastPath: boolean };
const isWatched = watchMatcher({ rules: {}, watch, waivers: [] });

parentPort?.on('message', (request: BatchRequest) => {
  void (async () => {
    const bytes = Buffer.from(request.data);
    const items: SlimPrepared[] = [];
    let start = 0;
    for (let i = 0; i < request.ends.length; i++) {
      const end = request.ends[i]!;
      items.push(slim(await prepareMessage({ index: request.indices[i]!, bytes: bytes.subarray(start, end) }, isWatched, fastPath)));
      start = end;
    }
    parentPort?.postMessage({ id: request.id, items } satisfies BatchReply);
  })();
});
