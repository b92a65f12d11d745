import { Alert } from "./alert";

/** A query that failed: what failed, why, and a way to try again. */
export function LoadError({ title, message, onRetry }: { title: string; message: string; onRetry: () => void }) {
  return (
    <div className="p-5">
      <Alert tone="error" title={title}>
        {message}{" "}
        <button type="button" className="font-medium underline" onClick={onRetry}>
          Try again
        </button>
      </Alert>
    </div>
  );
}
