import { describe, expect, it } from 'vitest';
import { escapeHtml, html } from './html.js';

describe('building HTML', () => {
  it('escapes every interpolated string: markup in customer text stays text', () => {
    const body = '<img src=x onerror=alert(1)>';
    expect(html`<p>${body}</p>`.markup).toBe('<p>&lt;img src=x onerror=alert(1)&gt;</p>');
  });

  it('escapes quotes, so a value cannot leave its attribute', () => {
    expect(html`<a title="${`" onmouseover="alert(1)`}">x</a>`.markup).toBe(
      '<a title="&quot; onmouseover=&quot;alert(1)">x</a>',
    );
    expect(escapeHtml(`'&'`)).toBe('&#39;&amp;&#39;');
  });

  it('keeps nested templates as markup, joins lists, and renders nothing for null, undefined and false', () => {
    const tags = ['vip', '<b>'].map((tag) => html`<li>${tag}</li>`);
    expect(html`<ul>${tags}</ul>${null}${undefined}${false}${0}`.markup).toBe(
      '<ul><li>vip</li><li>&lt;b&gt;</li></ul>0',
    );
  });
});
