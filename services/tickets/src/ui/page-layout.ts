import { html, type Html } from './html.js';

/** The frame of every page: title, the search box, the content. */
export function pageLayout(title: string, content: Html): Html {
  return html`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${title} · tickets</title>
<link rel="stylesheet" href="/ui/assets/timeline.css">
</head>
<body>
<header class="top">
  <a class="home" href="/ui/">tickets · timelines</a>
  <form method="get" action="/ui/find" role="search">
    <input name="q" placeholder="ticket id or customer id" aria-label="ticket id or customer id" required>
    <button type="submit">Open</button>
  </form>
</header>
<main>
${content}
</main>
</body>
</html>
`;
}
