import { describe, expect, it } from 'vitest';
import { missingVersions, selectVersions } from '../../../engine/repository/version-policy.js';

describe('selectVersions', () => {
  it('latest picks the highest num_versions, ascending', () => {
    expect(selectVersions({ latest: { num_versions: 1 } }, [1, 3, 2])).toEqual([3]);
    expect(selectVersions({ latest: { num_versions: 2 } }, [10, 2, 9])).toEqual([9, 10]);
  });

  it('latest with more versions asked than exist returns all', () => {
    expect(selectVersions({ latest: { num_versions: 5 } }, [2, 1])).toEqual([1, 2]);
  });

  it('all returns every version ascending without duplicates', () => {
    expect(selectVersions({ all: {} }, [3, 1, 3, 2])).toEqual([1, 2, 3]);
  });

  it('specific returns only listed versions that exist', () => {
    expect(selectVersions({ specific: { versions: [4, 1] } }, [1, 2, 3])).toEqual([1]);
  });

  it('returns nothing when no version exists', () => {
    expect(selectVersions({ latest: { num_versions: 1 } }, [])).toEqual([]);
    expect(selectVersions({ all: {} }, [])).toEqual([]);
  });
});

describe('missingVersions', () => {
  it('lists specific versions not on disk, ascending and once', () => {
    expect(missingVersions({ specific: { versions: [7, 1, 4, 7] } }, [1, 2])).toEqual([4, 7]);
  });

  it('is empty when every specific version exists', () => {
    expect(missingVersions({ specific: { versions: [2] } }, [1, 2])).toEqual([]);
  });

  it('is empty for latest and all', () => {
    expect(missingVersions({ latest: { num_versions: 3 } }, [])).toEqual([]);
    expect(missingVersions({ all: {} }, [])).toEqual([]);
  });
});
