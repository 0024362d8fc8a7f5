/** What every page gives the router: a title for the top bar and how to stop its timers, streams and charts. */
export interface Page {
  readonly title: string;
  dispose(): void;
}

/** Navigates inside the page (hash routes). */
export function go(route: string): void {
  location.hash = route;
}
