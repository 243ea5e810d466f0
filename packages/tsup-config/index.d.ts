import type { Options } from 'tsup';
export declare const baseTsupConfig: Options;
