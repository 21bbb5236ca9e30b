// Agenda Budaya: the whole page is built here from JSON, as a single-page application does;
// the server sends only an empty shell (a crawler that does not run scripts sees no events)
(function () {
  var app = document.getElementById("app");
  function el(tag, attrs, text) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (name) { node.setAttribute(name, attrs[name]); });
    if (text) { node.textContent = text; }
    return node;
  }
  var path = window.location.pathname;
  var match = path.match(/^\/agenda\/acara\/([^\/]+)$/);
  if (match) {
    fetch("/agenda/data/" + match[1] + ".json").then(function (r) { return r.json(); }).then(function (event) {
      document.title = event.title + " | Agenda Budaya Jakarta";
      var article = el("article");
      article.appendChild(el("h1", {}, event.title));
      article.appendChild(el("p", {"class": "date"}, event.date_line));
      event.paragraphs.forEach(function (text) { article.appendChild(el("p", {}, text)); });
      app.appendChild(article);
    });
    return;
  }
  fetch("/agenda/data/index.json").then(function (r) { return r.json(); }).then(function (listing) {
    app.appendChild(el("h1", {}, "Agenda Budaya Jakarta"));
    var list = el("ul", {"class": "agenda"});
    listing.events.forEach(function (event) {
      var item = el("li");
      item.appendChild(el("a", {"href": "/agenda/acara/" + event.slug}, event.title));
      item.appendChild(el("span", {"class": "date"}, " " + event.date_line));
      list.appendChild(item);
    });
    app.appendChild(list);
  });
})();
