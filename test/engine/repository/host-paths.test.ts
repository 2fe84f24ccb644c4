// issue #10 item 2: messages sent to clients name repository-relative paths.
import { mkdtemp, rm, symlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import {
  repositoryRootForms,
  withoutRepositoryRoot,
} from '../../../engine/repository/host-paths.js';

describe('withoutRepositoryRoot', () => {
  const roots = ['/srv/models', 'file:///srv/models'];

  it('turns paths under the root into repository-relative ones, wherever they appear', () => {
    expect(
      withoutRepositoryRoot(
        "cannot load '/srv/models/simple/1/model.onnx': Load model from /srv/models/simple/1/model.onnx failed",
        roots,
      ),
    ).toBe("cannot load 'simple/1/model.onnx': Load model from simple/1/model.onnx failed");
    expect(withoutRepositoryRoot('/srv/models/m/config.yaml:3:5: bad', roots)).toBe(
      'm/config.yaml:3:5: bad',
    );
    expect(withoutRepositoryRoot('import of file:///srv/models/m/1/model.js failed', roots)).toBe(
      'import of m/1/model.js failed',
    );
    expect(withoutRepositoryRoot("repository '/srv/models' is empty", roots)).toBe(
      "repository '.' is empty",
    );
  });

  it('leaves paths that only look alike alone', () => {
    const text = '/srv/models-old/x and /srv/modelsx and /opt/srv/models/y';
    expect(withoutRepositoryRoot(text, roots)).toBe(text);
    expect(withoutRepositoryRoot('node_modules/ocr-models/a.onnx', ['models'])).toBe(
      'node_modules/ocr-models/a.onnx',
    );
    expect(withoutRepositoryRoot('in models/a/1', ['models'])).toBe('in a/1');
  });
});

describe('repositoryRootForms', () => {
  it('lists the root as given, absolute, through its links, and as file: URLs', async () => {
    const base = await mkdtemp(path.join(tmpdir(), 'braid-roots-'));
    try {
      const link = path.join(base, 'link');
      await symlink(base, link);
      const forms = await repositoryRootForms(link);
      expect(forms).toEqual(
        expect.arrayContaining([link, base, pathToFileURL(link).href, pathToFileURL(base).href]),
      );
      expect(withoutRepositoryRoot(`${base}/m/1/model.js and ${link}/m/config.yaml`, forms)).toBe(
        'm/1/model.js and m/config.yaml',
      );
    } finally {
      await rm(base, { recursive: true, force: true });
    }
  });
});
