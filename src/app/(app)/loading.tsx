import { Loading } from "~/components/ui/loading";

/** Shown inside the app shell while a signed-in page renders on the server. */
export default function SignedInLoading() {
  return <Loading label="Loading the page" />;
}
