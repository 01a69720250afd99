import { html, type Html } from './html.js';
import { pageLayout } from './page-layout.js';

/** `/ui/`: where a support engineer starts — a ticket id or a customer id. */
export function searchPage(message?: string): Html {
  return pageLayout(
    'Find a timeline',
    html`<h1>Ticket and customer timelines</h1>
<p class="muted">Every event, the state after it, and every routing and rule decision with its reasons — read from the event log.</p>
${message === undefined ? null : html`<p role="alert"><strong>${message}</strong></p>`}
<form method="get" action="/ui/find" class="at">
  <label for="ticket">Ticket id</label>
  <input id="ticket" name="ticket" placeholder="tk_…">
  <label for="customer">or customer id</label>
  <input id="customer" name="customer" placeholder="cus_…">
  <button type="submit">Show timeline</button>
</form>`,
  );
}
