// issue #15 section 3: --cache-config local,size=BYTES and Triton's deprecated --response-cache-byte-size.
import { describe, expect, it } from 'vitest';
import { parseServeFlags, SERVE_HELP, type ServeFlags } from '../../../engine/cli/args.js';
import { parseCacheFlags } from '../../../engine/cli/cache-config.js';

const serve = (...argv: string[]) =>
  parseServeFlags(['--model-repository', 'm', ...argv]) as ServeFlags;

describe('--cache-config', () => {
  it('configures a local cache of size bytes, none by default', () => {
    expect(serve('--cache-config', 'local,size=1048576').responseCache).toEqual({
      sizeBytes: 1048576,
    });
    expect(serve('--cache-config=local,size=8192').responseCache).toEqual({ sizeBytes: 8192 });
    expect(serve().responseCache).toBeUndefined();
    expect(SERVE_HELP).toContain('--cache-config local,size=N');
  });

  it('refuses other caches, several caches, unknown keys and bad sizes, naming the flag', () => {
    expect(() => parseCacheFlags(['redis,host=localhost'], [])).toThrow(
      /--cache-config redis: Braid's only cache is 'local'/,
    );
    expect(() => parseCacheFlags(['local,size=8192', 'redis,port=1'], [])).toThrow(
      /multiple cache configurations/,
    );
    expect(() => parseCacheFlags(['local,ttl=5'], [])).toThrow(
      /--cache-config local,ttl: unknown setting/,
    );
    expect(() => parseCacheFlags(['local,size=0'], [])).toThrow(/--cache-config local,size/);
    expect(() => parseCacheFlags(['local,size=big'], [])).toThrow(/--cache-config local,size/);
    expect(() => parseCacheFlags(['local'], [])).toThrow(/expected <cache>,<key>=<value>/);
  });

  it("takes Triton's deprecated --response-cache-byte-size, with a warning, but never with --cache-config", () => {
    const flags = serve('--response-cache-byte-size', '4096');
    expect(flags.responseCache).toEqual({ sizeBytes: 4096 });
    expect(flags.notices).toContainEqual({
      msg: '--response-cache-byte-size is deprecated',
      fields: { use: '--cache-config local,size=4096' },
    });
    expect(serve('--response-cache-byte-size', '0').responseCache).toBeUndefined();
    expect(() =>
      serve('--response-cache-byte-size', '1', '--cache-config', 'local,size=2'),
    ).toThrow(/incompatible flags/);
  });
});
