import { expectPublishablePackage } from '@collector/testkit';
import { it } from 'vitest';

it('packs dist only, with no tests or sources', () => {
  expectPublishablePackage(new URL('..', import.meta.url));
});
