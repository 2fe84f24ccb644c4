/**
 * Captured intermediate tensors (`braid_debug.<tensor>` outputs) shown as images when they are
 * image-shaped: UINT8 [H, W, 3|4|1] as colour or grey pixels, floating [..., H, W] with the other
 * dims 1 as a grey map scaled to its range. Anything else is summarized.
 */
import { useEffect, useRef } from 'preact/hooks';
import type { OutputTensor } from './api.js';

type Pixels = { width: number; height: number; rgba: Uint8ClampedArray };

/** RGBA pixels of an image-shaped tensor, or undefined. */
export function tensorPixels(t: OutputTensor): Pixels | undefined {
  const s = t.shape;
  const d = t.data as number[];
  if (t.datatype === 'UINT8' && s.length === 3 && [1, 3, 4].includes(s[2]!)) {
    const [height, width, c] = s as [number, number, number];
    const rgba = new Uint8ClampedArray(width * height * 4);
    for (let i = 0; i < width * height; i++) {
      rgba[i * 4] = d[i * c]!;
      rgba[i * 4 + 1] = d[i * c + (c > 1 ? 1 : 0)]!;
      rgba[i * 4 + 2] = d[i * c + (c > 2 ? 2 : 0)]!;
      rgba[i * 4 + 3] = c === 4 ? d[i * c + 3]! : 255;
    }
    return { width, height, rgba };
  }
  const lead = s.slice(0, -2).reduce((a, b) => a * b, 1);
  if (t.datatype.startsWith('FP') && s.length >= 2 && lead === 1 && d.length > 0) {
    const [height, width] = s.slice(-2) as [number, number];
    let lo = Infinity;
    let hi = -Infinity;
    for (const v of d) {
      lo = Math.min(lo, v);
      hi = Math.max(hi, v);
    }
    const span = hi - lo || 1;
    const rgba = new Uint8ClampedArray(width * height * 4);
    for (let i = 0; i < width * height; i++) {
      const g = Math.round(((d[i]! - lo) / span) * 255);
      rgba.set([g, g, g, 255], i * 4);
    }
    return { width, height, rgba };
  }
  return undefined;
}

function Canvas({ name, pixels }: { name: string; pixels: Pixels }) {
  const ref = useRef<HTMLCanvasElement>(null);
  useEffect(() => {
    const ctx = ref.current?.getContext('2d');
    if (!ctx) return;
    const image = ctx.createImageData(pixels.width, pixels.height);
    image.data.set(pixels.rgba);
    ctx.putImageData(image, 0, 0);
  }, [pixels]);
  return (
    <canvas
      ref={ref}
      data-tensor={name}
      width={pixels.width}
      height={pixels.height}
      role="img"
      aria-label={`Tensor ${name} drawn as an image`}
    />
  );
}

/** The captured tensors of a pipeline response. */
export function Intermediates({ outputs }: { outputs: readonly OutputTensor[] }) {
  const captured = outputs.filter(o => o.name.startsWith('braid_debug.'));
  if (captured.length === 0) return null;
  return (
    <section class="intermediates" aria-labelledby="intermediates-title">
      <h2 id="intermediates-title">Intermediate tensors</h2>
      {captured.map(o => {
        const name = o.name.slice('braid_debug.'.length);
        const pixels = tensorPixels(o);
        return (
          <figure>
            {pixels ? (
              <Canvas name={name} pixels={pixels} />
            ) : (
              <pre>
                {o.data.slice(0, 32).join(', ')}
                {o.data.length > 32 ? ' …' : ''}
              </pre>
            )}
            <figcaption>
              {name} <span class="type">{`${o.datatype} [${o.shape.join(', ')}]`}</span>
            </figcaption>
          </figure>
        );
      })}
    </section>
  );
}
