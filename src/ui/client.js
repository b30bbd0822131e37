// The page's one script, inlined by `shell` and called with the URLs of the
// client's files: the .js, the .wasm and the split loader that the .js
// imports (or null). It does two jobs:
//
// 1. Islands. It loads the WASM client and hydrates each `<leptos-island>`
//    the server rendered: the only parts of a page that run in the browser.
//    Everything else stays the server's HTML. A lazy island (a post form)
//    fetches its own part of the client first.
// 2. Navigation. A click on a link to this site, a plain form's submission
//    and the back and forward buttons fetch the next page's HTML from the
//    server, as a browser without JavaScript would, and swap it into the
//    page: no full load, so the client is loaded and started once. What the
//    server sends is fresh (its caches never serve a page older than a write
//    the visitor has seen answered), so nothing on screen is kept from
//    before a navigation except the islands' state in the parts that did
//    not change. The title, the theme, the scroll position and the focus
//    follow, as after a real page load. A navigation overtaken by another
//    is aborted, so a slow phone stops downloading a page it will not show.
//
// A write that leads to another page takes one request: the script asks
// for that page with the write (the `bulletin-page` header, `wire::page`),
// and the server answers with it, naming it in `bulletin-location`.
// Islands call `window.bulletinNavigate(path, flash)` to go somewhere after a
// write, with the one-line message to show there; their writes' answers have
// already handed that page over with `window.bulletinArrive(path, html,
// timing)`.
//
// 3. Live pages. Once the islands have started, the tab follows the server's
//    stream of changes (`GET /live`, server-sent events, `server::live`):
//    one stream per tab, kept across navigations, starting at the feed
//    position the page was served at (its `Server-Timing`), so nothing that
//    happened while the page travelled is missed; `EventSource` reconnects
//    by itself with the last id it got. Each change goes to what the page
//    shows: the list's counts, titles and excerpts; the islands' counts
//    (a `bulletin:counts` event, `ui::live`); a post's new text and image; a deleted
//    post marked; on the first page of the list, a button saying how many
//    posts are new. A change older than the page on screen is not shown.
(jsUrl, wasmUrl, splitUrl) => {
  let client = null;
  let latest = 0;
  // The page fetch in flight, to abort when another navigation overtakes
  // it. A form's POST is never aborted: the write may be done, and its
  // answer carries cookies (read-your-writes, the flash) worth keeping.
  let inFlight = null;
  // The page a write's answer brought, for the island's own navigation
  // (bulletinNavigate) right after: any navigation in between drops it.
  let delivered = null;
  // The page on screen, without its #fragment: Back from an in-page anchor
  // changes only the fragment, and the page stays as it is.
  const pageOf = (url) => url.origin + url.pathname + url.search;
  let shown = pageOf(location);
  history.scrollRestoration = 'manual';
  // The feed position the page on screen is as of (null: not known).
  const positionOf = (timing) => {
    const found = /(?:^|,)\s*feed;desc="?(\d+)/.exec(timing ?? '');
    return found ? Number(found[1]) : null;
  };
  const loaded = performance.getEntriesByType('navigation')[0]?.serverTiming?.find((entry) => entry.name === 'feed');
  let pageAt = loaded ? Number(loaded.description) : null;

  // Hydrates the islands not hydrated yet. A lazy island (the forms) first
  // fetches its own part of the client; the promise settles when all have.
  const hydrateIslands = () => {
    if (!client) return Promise.resolve();
    const started = [];
    for (const island of document.querySelectorAll('leptos-island')) {
      if (island.bulletinStarted) continue;
      island.bulletinStarted = true;
      const hydrate = client[island.dataset.component];
      if (hydrate) {
        // Until it is live, a form in it is sent by the submit handler below.
        started.push(Promise.resolve(hydrate(island)).then(() => (island.bulletinHydrated = true)));
      } else {
        console.error(`the client has no island ${island.dataset.component}`);
      }
    }
    return Promise.all(started);
  };

  // The client is asked for once the page has loaded (the document and its
  // stylesheet) and been painted, so its files never compete with what the
  // first paint needs (Lighthouse's phone counts any request made before the
  // paint as something the paint waited for); and every file at once:
  // neither the .wasm nor the module the .js imports waits for the .js.
  const start = () => {
    // The tables Leptos's hydration reads, which its server would write
    // after </html>: an islands page resolves nothing on the server, so the
    // server leaves them out (middleware::page_end) and they start empty.
    for (const table of ['__RESOLVED_RESOURCES', '__SERIALIZED_ERRORS', '__PENDING_RESOURCES', '__RESOURCE_RESOLVERS', '__INCOMPLETE_CHUNKS']) {
      window[table] ??= [];
    }
    const wasm = fetch(wasmUrl);
    if (splitUrl) import(splitUrl).catch(() => {});
    import(jsUrl)
      .then(async (module) => {
        await module.default({ module_or_path: wasm });
        module.hydrate();
        client = module;
        await hydrateIslands();
        // The page is live: CSS shows the keyboard shortcuts, tests wait for it.
        document.body.setAttribute('data-hydrated', '');
        follow();
      })
      .catch((error) => console.error('the client did not load', error));
  };
  // A frame callback runs just before the next paint; a task queued from it
  // runs after that paint. The paint is shown on screen (and counted as the
  // largest paint) a frame later, so the client waits for the frame after.
  const afterPaint = () => requestAnimationFrame(() => requestAnimationFrame(() => setTimeout(start, 0)));
  if (document.readyState === 'complete') afterPaint();
  else addEventListener('load', afterPaint, { once: true });

  // The new page's flash message goes into the live region that is already
  // on screen, so assistive technology announces it.
  const moveFlash = (region, message) => {
    const arrived = document.querySelector('.flash');
    if (region && arrived && arrived !== region) {
      region.replaceChildren(...arrived.childNodes);
      arrived.replaceWith(region);
    }
    if (region && message) {
      const line = document.createElement('p');
      line.className = 'flash-message';
      line.textContent = message;
      region.replaceChildren(line);
    }
  };

  const swap = (next, message) => {
    document.title = next.title;
    const theme = next.documentElement.getAttribute('data-theme');
    if (theme) document.documentElement.setAttribute('data-theme', theme);
    else document.documentElement.removeAttribute('data-theme');

    const region = document.querySelector('.flash');
    const parts = ['body > header', 'body > main', 'body > footer'];
    if (parts.some((part) => !document.querySelector(part) || !next.querySelector(part))) {
      document.body.replaceChildren(...[...next.body.childNodes].map((node) => document.adoptNode(node)));
    } else {
      // A part that did not change keeps its elements, and its islands
      // their state (the footer's shortcut, a header not re-rendered).
      for (const part of parts) {
        const current = document.querySelector(part);
        const arrived = next.querySelector(part);
        if (current.outerHTML !== arrived.outerHTML) current.replaceWith(document.adoptNode(arrived));
      }
    }
    moveFlash(region, message);
  };

  const settle = (url, { restore, moved }) => {
    if (restore) {
      scrollTo(restore[0], restore[1]);
    } else if (url.hash && document.getElementById(decodeURIComponent(url.hash.slice(1)))) {
      document.getElementById(decodeURIComponent(url.hash.slice(1))).scrollIntoView();
    } else {
      scrollTo(0, 0);
    }
    if (moved) {
      // Where a screen reader would start on a new page: its heading.
      const heading = document.querySelector('main h1') ?? document.querySelector('main');
      if (heading) {
        heading.setAttribute('tabindex', '-1');
        heading.focus({ preventScroll: true });
      }
    }
  };

  // The page at `url`: the one a write's answer just brought, else fetched
  // (with `init`, for a form). Resolves to where the page is and its HTML,
  // or to null when it is not a page.
  const fetchPage = async (url, init, signal, brought) => {
    if (brought && !init.method && brought.url.href === url.href) return brought;
    const headers = { Accept: 'text/html' };
    if (init.method === 'POST') headers['bulletin-page'] = '1';
    const response = await fetch(url, { ...init, headers, credentials: 'same-origin', signal });
    const html = await response.text();
    if (!(response.headers.get('content-type') ?? '').startsWith('text/html')) return { url: new URL(response.url), html: null };
    const named = response.headers.get('bulletin-location');
    const at = positionOf(response.headers.get('server-timing'));
    return { url: new URL(named ?? (response.redirected ? response.url : url), location.href), html, at };
  };

  // Shows the page at `url` (sent `init`, for a form). `push`: a new
  // history entry; else the current one is replaced.
  const navigate = async (url, { init = {}, push = true, restore = null, message = null, fallback, brought = null }) => {
    const mine = ++latest;
    delivered = null;
    inFlight?.abort();
    const controller = init.method ? null : new AbortController();
    inFlight = controller;
    document.documentElement.setAttribute('aria-busy', 'true');
    let page;
    try {
      page = await fetchPage(url, init, controller?.signal, brought);
    } catch {
      // Offline or cut off (not overtaken): let the browser try, and show
      // its own error.
      if (mine === latest) (fallback ?? (() => location.assign(url)))();
      return;
    } finally {
      if (mine === latest) {
        document.documentElement.removeAttribute('aria-busy');
        inFlight = null;
      }
    }
    if (mine !== latest) return;
    if (page.html === null) {
      location.assign(page.url);
      return;
    }
    const landed = page.url;
    if (push) {
      history.replaceState({ ...history.state, scroll: [scrollX, scrollY] }, '');
      history.pushState({}, '', landed);
    } else if (landed.href !== location.href) {
      history.replaceState(history.state, '', landed);
    }
    swap(new DOMParser().parseFromString(page.html, 'text/html'), message);
    shown = pageOf(landed);
    pageAt = page.at ?? null;
    hydrateIslands().then(catchUp);
    settle(landed, { restore, moved: !restore });
  };

  // What the stream said of each post lately, merged, with its position:
  // shown again on a page that arrives older than it.
  const heard = new Map();
  const newer = (at) => pageAt === null || at > pageAt;

  const markGone = (element) => {
    if (element.hasAttribute('data-gone')) return;
    element.setAttribute('data-gone', '');
    const note = document.createElement('p');
    note.className = 'gone-note';
    note.textContent = 'This post was deleted.';
    element.querySelector('h1, h2')?.after(note);
  };

  // A post's page shows its whole text, which the stream does not carry:
  // asked for once it changed, the latest answer kept.
  const refreshPost = async (article, id) => {
    const mine = (article.bulletinAsked = (article.bulletinAsked ?? 0) + 1);
    try {
      const response = await fetch('/api/get_post', {
        method: 'POST',
        headers: { 'Content-Type': 'application/x-www-form-urlencoded', Accept: 'application/json' },
        body: `id=${id}`,
        credentials: 'same-origin',
      });
      if (!response.ok) return;
      const post = await response.json();
      if (mine !== article.bulletinAsked || !article.isConnected) return;
      article.querySelector('h1').textContent = post.title;
      article.querySelector('.post-content').textContent = post.content;
      // Its image too: put in, replaced, or taken away.
      let figure = article.querySelector('.post-image');
      if (!post.image) figure?.remove();
      else {
        if (!figure) {
          figure = document.createElement('figure');
          figure.className = 'post-image';
          figure.append(document.createElement('img'));
          article.querySelector('.post-content').before(figure);
        }
        const { name, alt, width, height } = post.image;
        Object.assign(figure.querySelector('img'), { src: `/images/${name}`, alt, width, height });
      }
      document.title = `${post.title} · bulletin`;
    } catch {
      // The next change, or the next visit, shows it.
    }
  };

  // The first page of the list counts the posts published since it was
  // served, and offers to show them.
  const countNew = (change) => {
    const notice = document.querySelector('.new-posts');
    if (!notice) return;
    notice.bulletinNewest ??= Math.max(0, ...[...document.querySelectorAll('li[data-post]')].map((item) => Number(item.dataset.post)));
    notice.bulletinFresh ??= new Set();
    if (change.id <= notice.bulletinNewest || document.querySelector(`li[data-post="${change.id}"]`)) return;
    if (change.gone) notice.bulletinFresh.delete(change.id);
    else if (change.title !== undefined) notice.bulletinFresh.add(change.id);
    const count = notice.bulletinFresh.size;
    const button = notice.querySelector('button');
    button.hidden = count === 0;
    button.textContent = count === 1 ? 'Show 1 new post' : `Show ${count} new posts`;
    // Said once, politely; the button's own text changes silently.
    const status = notice.querySelector('[aria-live]');
    if (count > 0 && !status.textContent) status.textContent = 'New posts have been published.';
  };

  const show = (change, at) => {
    const { id } = change;
    if (change.likes !== undefined) {
      dispatchEvent(new CustomEvent('bulletin:counts', { detail: { id, likes: change.likes, views: change.views, at } }));
    }
    for (const item of document.querySelectorAll(`li[data-post="${id}"]`)) {
      if (change.gone) markGone(item);
      if (change.likes !== undefined) {
        item.querySelector('.likes').textContent = `${change.likes} likes`;
        item.querySelector('.views').textContent = `${change.views} views`;
      }
      if (change.title !== undefined) {
        item.querySelector('h2 a').textContent = change.title;
        item.querySelector('.excerpt').textContent = change.excerpt;
      }
    }
    const article = document.querySelector(`article.post[data-post="${id}"]`);
    if (article && change.gone) {
      markGone(article);
      moveFlash(document.querySelector('.flash'), 'This post was deleted.');
    } else if (article && change.title !== undefined && newer(change.text_at)) {
      // Only a text newer than the page's: a page served after an edit
      // already shows it.
      refreshPost(article, id);
    }
    countNew(change);
  };

  // A page that arrived older than what the stream said: shown the newer.
  const catchUp = () => {
    for (const [change, at] of heard.values()) if (newer(at)) show(change, at);
  };

  const follow = () => {
    if (!window.EventSource) return;
    const source = new EventSource(pageAt === null ? '/live' : `/live?after=${pageAt}`);
    source.onopen = () => document.body.setAttribute('data-live', '');
    source.onerror = () => document.body.removeAttribute('data-live');
    source.onmessage = (ev) => {
      for (const change of JSON.parse(ev.data)) {
        // Each post's own position in the frame: a page served after it
        // shows the post as it is here already.
        const at = change.at ?? Number(ev.lastEventId);
        const before = heard.get(change.id);
        heard.delete(change.id);
        heard.set(change.id, [{ ...before?.[0], ...change }, at]);
        if (heard.size > 500) heard.delete(heard.keys().next().value);
        if (newer(at)) show(change, at);
      }
    };
    // Too much was missed to say what: the page is fetched again where it
    // stands, unless it is a form the visitor may be typing in.
    source.addEventListener('reload', () => {
      heard.clear();
      if (document.querySelector('main textarea')) return;
      navigate(new URL(location.href), { push: false, restore: [scrollX, scrollY] });
    });
  };

  addEventListener('click', (ev) => {
    if (ev.target instanceof Element && ev.target.closest('.new-posts-button')) {
      navigate(new URL('/', location.href), { push: location.pathname !== '/' || location.search !== '' });
    }
  });

  window.bulletinNavigate = (path, message) => {
    const brought = delivered?.for === latest ? delivered : null;
    return navigate(new URL(path, location.href), { message, brought });
  };
  window.bulletinArrive = (path, html, timing) => {
    delivered = { url: new URL(path, location.href), html, at: positionOf(timing), for: latest };
  };

  addEventListener('click', (ev) => {
    if (ev.defaultPrevented || ev.button !== 0 || ev.metaKey || ev.ctrlKey || ev.shiftKey || ev.altKey) return;
    const link = ev.target instanceof Element ? ev.target.closest('a[href]') : null;
    if (!link || link.target || link.hasAttribute('download') || /\bexternal\b/.test(link.rel)) return;
    const url = new URL(link.href);
    if (url.origin !== location.origin) return;
    const here = url.pathname === location.pathname && url.search === location.search;
    if (here && url.hash) return;
    ev.preventDefault();
    navigate(url, { push: url.href !== location.href });
  });

  // A second click while a form this script sent is on its way sends
  // nothing more, even if its island has started meanwhile: caught on the
  // way down, before the island's own handler. The browser's own submit,
  // the fallback when the script's could not be sent, goes through.
  addEventListener(
    'submit',
    (ev) => {
      if (ev.target.bulletinSending && !ev.target.bulletinNative) {
        ev.preventDefault();
        ev.stopPropagation();
      }
    },
    { capture: true },
  );

  // A form an island does not handle itself (an island not yet hydrated, or
  // a plain form): sent as the browser would send it, and the page the
  // server answers with shown in place.
  addEventListener('submit', (ev) => {
    const form = ev.target;
    if (ev.defaultPrevented || !(form instanceof HTMLFormElement) || form.target || form.bulletinNative) return;
    if (form.closest('leptos-island')?.bulletinHydrated) return;
    const submitter = ev.submitter;
    const action = new URL(submitter?.getAttribute('formaction') ?? form.action, location.href);
    const method = (submitter?.getAttribute('formmethod') ?? form.method).toUpperCase();
    if (action.origin !== location.origin || (method !== 'GET' && method !== 'POST')) return;
    ev.preventDefault();
    // A form that can carry a file goes as the browser would send it.
    const data = new FormData(form, submitter);
    const fields = form.enctype === 'multipart/form-data' && method === 'POST' ? data : new URLSearchParams(data);
    if (method === 'GET') {
      action.search = fields.toString();
      navigate(action, {});
    } else {
      form.bulletinSending = true;
      navigate(action, { init: { method, body: fields }, fallback: () => {
        form.bulletinNative = true;
        form.requestSubmit(submitter ?? undefined);
      } }).finally(() => (form.bulletinSending = false));
    }
  });

  // A list's thumbnail whose file is gone (the post's image was replaced or
  // removed after the list was served): taken away, not shown broken.
  addEventListener(
    'error',
    (ev) => {
      if (ev.target instanceof HTMLImageElement && ev.target.classList.contains('thumb')) ev.target.remove();
    },
    { capture: true },
  );

  addEventListener('popstate', () => {
    if (pageOf(location) === shown) return;
    navigate(new URL(location.href), { push: false, restore: history.state?.scroll ?? [0, 0] });
  });
}
