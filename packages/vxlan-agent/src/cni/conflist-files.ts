import { mkdir, readdir, readFile, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import type { Logger } from '@trellis/runtime';
import { writeFileAtomic } from './atomic-file.js';
import { conflistText, isOurConflist, type ConflistInput } from './conflist.js';

const suffix = '.conflist';

/**
 * The `<overlay>.conflist` files in `cni.confDir`. Writes are serialized and skipped when the
 * text is unchanged; a failed write is logged, counted and retried at the next slice change or
 * start. Only files that name our socket as their trellis IPAM are ever removed.
 */
export class ConflistFiles {
  readonly #dir: string;
  readonly #socket: string;
  readonly #log: Logger;
  readonly #written = new Map<string, string>();
  #queue: Promise<void> = Promise.resolve();
  #errors = 0;

  constructor(dir: string, socket: string, log: Logger) {
    this.#dir = dir;
    this.#socket = socket;
    this.#log = log;
  }

  get errors(): number {
    return this.#errors;
  }

  pathOf(overlay: string): string {
    return join(this.#dir, `${overlay}${suffix}`);
  }

  write(input: ConflistInput): void {
    const text = conflistText(input);
    if (this.#written.get(input.overlay) === text) return;
    this.#written.set(input.overlay, text);
    this.#enqueue(async () => {
      await mkdir(this.#dir, { recursive: true, mode: 0o755 });
      await writeFileAtomic(this.pathOf(input.overlay), text, 0o644);
      this.#log.info(
        { overlay: input.overlay, file: this.pathOf(input.overlay), half: input.half, half6: input.half6 },
        'cni conflist written',
      );
    }, input.overlay);
  }

  /** Removes our conflists of overlays no longer configured (an overlay removed from the config). */
  async removeOthers(overlays: readonly string[]): Promise<void> {
    const names = await readdir(this.#dir).catch(() => [] as string[]);
    for (const name of names) {
      if (!name.endsWith(suffix) || overlays.includes(name.slice(0, -suffix.length))) continue;
      const path = join(this.#dir, name);
      const text = await readFile(path, 'utf8').catch(() => '');
      if (!isOurConflist(text, this.#socket)) continue;
      await unlink(path).catch(() => undefined);
      this.#log.info({ file: path }, 'cni conflist of a removed overlay deleted');
    }
  }

  /** Resolves once every write asked for so far is done. */
  idle(): Promise<void> {
    return this.#queue;
  }

  #enqueue(work: () => Promise<void>, overlay: string): void {
    this.#queue = this.#queue.then(work).catch((error: unknown) => {
      this.#errors++;
      this.#written.delete(overlay);
      this.#log.error({ err: error, overlay }, 'cni conflist not written');
    });
  }
}
