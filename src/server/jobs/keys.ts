/**
 * Concurrency and debounce keys are Inngest expressions (CEL). The in-process
 * runner evaluates the subset our functions use — `event.data.<path>` terms and
 * string literals joined by `+` — and refuses anything else when a job is
 * defined, so a key can never silently mean something different in-process.
 */
export type KeyExpression = (event: { data?: unknown }) => string;

const pathTerm = /^event\.data(\.[A-Za-z_][A-Za-z0-9_]*)+$/;
const stringTerm = /^"([^"\\]*)"$|^'([^'\\]*)'$/;

export function compileKeyExpression(expression: string): KeyExpression {
  const terms = expression.split("+").map((term) => term.trim());
  const parts = terms.map((term): KeyExpression => {
    const literal = stringTerm.exec(term);
    if (literal) {
      const value = literal[1] ?? literal[2] ?? "";
      return () => value;
    }
    if (pathTerm.test(term)) {
      const path = term.split(".").slice(2);
      return (event) => {
        let value: unknown = event.data;
        for (const key of path) value = value !== null && typeof value === "object" ? (value as Record<string, unknown>)[key] : undefined;
        return value === undefined || value === null ? "" : String(value);
      };
    }
    throw new Error(`Unsupported key expression "${expression}": use event.data.<field> terms and string literals joined by +`);
  });
  return (event) => parts.map((part) => part(event)).join("");
}
