// Diagrams on a phone: readable labels, and a sideways scroll.
//
// Mermaid draws a diagram to fit the column, scaling its text with it: a
// sequence diagram with five participants, fitted into the 370 px of a
// phone, has letters four pixels high. This file wraps mermaid.render(),
// which the theme calls for every diagram, and adds one rule to each SVG it
// returns: on a narrow screen the diagram is never narrower than three
// quarters of the width mermaid drew it at, so its labels stay at about
// three quarters of their size. docs/hooks/diagram_scroll.py puts each
// diagram in a container that then scrolls sideways. On a wide screen
// nothing changes.
//
// Loaded after mermaid itself and before the theme draws anything (see
// extra_javascript in mkdocs.yml).
(function () {
  "use strict";
  if (typeof mermaid === "undefined" || typeof mermaid.render !== "function") {
    return;
  }
  var NARROW = "(max-width: 44.9375em)"; // where the theme shows one column
  var SHARE = 0.75;
  var render = mermaid.render.bind(mermaid);
  mermaid.render = function (id) {
    return render.apply(null, arguments).then(function (result) {
      var drawn = /max-width:\s*([\d.]+)px/.exec(result.svg);
      if (drawn) {
        var least = Math.round(parseFloat(drawn[1]) * SHARE);
        var rule = "@media screen and " + NARROW + "{#" + id + "{min-width:" + least + "px}}";
        result.svg = result.svg.replace(/<\/svg>\s*$/, "<style>" + rule + "</style></svg>");
      }
      return result;
    });
  };
})();
