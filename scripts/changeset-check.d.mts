export function checkChangesets(root: string): { ok: boolean; lines: string[] };
