export function staleBuildProblems(dir: string, options?: { rebuild?: boolean }): string[];
