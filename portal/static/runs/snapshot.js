/* Resync Bucket: "select every record on this page" for Reprocess selected. */
document.addEventListener("change", (event) => {
  const all = event.target.closest("[data-select-all]");
  if (!all) return;
  all.closest("table").querySelectorAll('tbody input[name="record_keys"]').forEach((box) => {
    box.checked = all.checked;
  });
});
