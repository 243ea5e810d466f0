import { expectPublishablePackage, listPackedFiles } from '@collector/testkit';
import { expect, it } from 'vitest';

const DIR = new URL('..', import.meta.url);

it('packs dist only, with the page, the chart library and its licence and notice', () => {
  expectPublishablePackage(DIR);
  expect(listPackedFiles(DIR.pathname).filter((file) => file.startsWith('dist/assets/')).sort()).toEqual([
    'dist/assets/LICENSE-lightweight-charts.txt',
    'dist/assets/NOTICE-lightweight-charts.txt',
    'dist/assets/duration.js',
    'dist/assets/index.html',
    'dist/assets/lightweight-charts.standalone.production.js',
    'dist/assets/page.css',
    'dist/assets/page.js',
  ]);
});
