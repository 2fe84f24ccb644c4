/**
 * The OCR benchmark's latency target image by image: at concurrency 1, each committed image
 * read on its own, the server's p50 over the p50 of the three models' compute in-process for
 * that image. The images differ by 2x in compute, so a p50 over all of them in turn lands near
 * one image or the next from run to run; per image it does not.
 *
 * @module
 */

/** One image's p50 latency in the server and its models' p50 compute in-process, ms. */
export interface ImageLatency {
  readonly image: string;
  readonly braidP50: number;
  readonly modelP50: number;
}

/** The measurements {@link measurePerImage} runs, one image at a time. */
export interface PerImageProbes {
  /** The server's p50 at concurrency 1 on this image alone. */
  served(index: number): Promise<number>;
  /** The models' p50 compute in-process at concurrency 1 on this image alone. */
  ceiling(index: number): Promise<number>;
}

/**
 * Measures each of `images` in turn, the ceiling first, as the level loop does.
 *
 * @example
 * const rows = await measurePerImage(['sign.png'], probes);
 */
export async function measurePerImage(
  images: readonly string[],
  probes: PerImageProbes,
): Promise<ImageLatency[]> {
  const rows: ImageLatency[] = [];
  for (const [i, image] of images.entries()) {
    const modelP50 = await probes.ceiling(i);
    const braidP50 = await probes.served(i);
    rows.push({ image, braidP50, modelP50 });
  }
  return rows;
}

const f = (n: number, d = 1) => (Number.isFinite(n) ? n.toFixed(d) : '-');

/**
 * The table of {@link measurePerImage}'s rows and the verdict on the worst image.
 *
 * @example
 * perImageLines(rows, 1.3, 5000).join('\n');
 */
export function perImageLines(
  rows: readonly ImageLatency[],
  target: number,
  windowMs: number,
): string[] {
  const lines = [
    `concurrency 1, each image alone (${f(windowMs / 1000, 0)} s windows): braid p50 / its models' compute in-process (p50)`,
    'image              braid p50 ms   models p50 ms   ratio',
  ];
  let worst = -Infinity;
  for (const r of rows) {
    const ratio = r.braidP50 / r.modelP50;
    worst = Math.max(worst, Number.isFinite(ratio) ? ratio : Infinity);
    lines.push(
      `${r.image.padEnd(18)} ${f(r.braidP50).padStart(12)}   ${f(r.modelP50).padStart(13)}   ${f(ratio, 2).padStart(5)}x`,
    );
  }
  const verdict = worst <= target ? 'MET' : 'NOT MET';
  lines.push(
    `braid p50 at concurrency 1 / models' compute in-process (p50), worst image: ${f(worst, 2)}x  (target <= ${target}x: ${verdict})`,
  );
  return lines;
}
