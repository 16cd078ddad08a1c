"""Files the plan-task tests read (built here with openpyxl, so a test shows what it feeds the import)."""
