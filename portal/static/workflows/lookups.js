/* Lookup tables page: "Add New" appends an empty row to the grid; Save All posts the whole grid. */
(function () {
  "use strict";
  const button = document.getElementById("add-lookup-row");
  const template = document.getElementById("new-row");
  if (!button || !template) return;
  button.addEventListener("click", () => {
    const row = template.content.firstElementChild.cloneNode(true);
    document.querySelector("#lookup-grid tbody").append(row);
    row.querySelector('input[name="source"]').focus();
  });
})();
