/**
 * @module Which GPU execution providers (CUDA, TensorRT) this process can load, and the hint to
 * give when one is asked for but missing.
 */
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { listSupportedBackends } from 'onnxruntime-node';

/** Which GPU execution providers this process can load. */
export interface ProviderAvailability {
  readonly cuda: boolean;
  readonly tensorrt: boolean;
}

/** A GPU execution provider the backend knows how to ask for. */
export type GpuProvider = keyof ProviderAvailability;

function bindingDir(): string {
  const pkg = createRequire(import.meta.url).resolve('onnxruntime-node/package.json');
  return join(dirname(pkg), 'bin', 'napi-v6', process.platform, process.arch);
}

function providerLibrary(name: string): string | undefined {
  if (process.platform === 'linux') return `libonnxruntime_providers_${name}.so`;
  if (process.platform === 'win32') return `onnxruntime_providers_${name}.dll`;
  return undefined;
}

function libraryPresent(dir: string, name: string): boolean {
  const lib = providerLibrary(name);
  const shared = providerLibrary('shared');
  if (lib === undefined || shared === undefined) return false;
  return existsSync(join(dir, lib)) && existsSync(join(dir, shared));
}

/**
 * Probes onnxruntime-node for the CUDA and TensorRT providers. The binding lists both on
 * Linux x64 even when their libraries were never downloaded (`bundled: false`), and asking
 * ORT for a missing one fails only at session creation with a loader error, so an unbundled
 * provider counts as available only when its shared library sits next to the binding.
 *
 * @example
 * detectProviders(); // { cuda: false, tensorrt: false } on a CPU-only install
 */
export function detectProviders(): ProviderAvailability {
  const listed = new Map(listSupportedBackends().map(b => [b.name, b.bundled]));
  const dir = bindingDir();
  const available = (name: GpuProvider): boolean => {
    const bundled = listed.get(name);
    return bundled === true || (bundled === false && libraryPresent(dir, name));
  };
  return { cuda: available('cuda'), tensorrt: available('tensorrt') };
}

const CUDA12_PLATFORMS = new Set(['linux/x64']);

/**
 * What to do to get `provider` into onnxruntime-node on this platform, for error messages.
 * The package's install script downloads the CUDA 12 provider libraries (which include the
 * TensorRT provider) from NuGet, and only for linux/x64.
 *
 * @example
 * installHint('cuda'); // "onnxruntime-node was installed without its CUDA binaries; ..."
 */
export function installHint(
  provider: GpuProvider,
  platform = `${process.platform}/${process.arch}`,
): string {
  if (!CUDA12_PLATFORMS.has(platform)) {
    return (
      `onnxruntime-node publishes its ${provider} execution provider only for linux/x64, ` +
      `and this is ${platform}`
    );
  }
  const runtime =
    provider === 'tensorrt'
      ? 'the machine also needs CUDA 12, cuDNN 9 and TensorRT 10 libraries on the library path'
      : 'the machine also needs CUDA 12 and cuDNN 9 libraries on the library path';
  return (
    `onnxruntime-node was installed without its ${provider} provider libraries; fetch them with ` +
    '`ONNXRUNTIME_NODE_INSTALL=cuda12 npm rebuild onnxruntime-node` (the variable overrides ' +
    '`onnxruntime-node-install=skip` in .npmrc; the install script downloads from api.nuget.org); ' +
    runtime
  );
}
