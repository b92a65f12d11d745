import { Alert } from "./alert";
import { Button } from "./button";

/**
 * A query that failed: what failed, why, and a way to try again. Every list that
 * can fail shows this one, so a retry looks and works the same everywhere.
 */
export function LoadError({
  title,
  message,
  onRetry,
  retrying = false,
  inset = true,
}: {
  title: string;
  message: string;
  onRetry: () => void;
  /** The retry is under way: the button shows it and cannot be pressed twice. */
  retrying?: boolean;
  /** Padded to sit directly in a Card; false inside content that is already padded. */
  inset?: boolean;
}) {
  return (
    <div className={inset ? "p-5" : undefined}>
      <Alert tone="error" title={title}>
        <p>{message}</p>
        <Button variant="secondary" size="sm" className="mt-3" onClick={onRetry} loading={retrying}>
          Try again
        </Button>
      </Alert>
    </div>
  );
}
