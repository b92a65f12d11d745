export declare const HEAP_CEILING_MIB: number;
export declare function serverHeapFlags(nodeOptions: string | undefined, defaultCeilingMib: number): string[];
