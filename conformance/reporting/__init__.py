"""What a run leaves behind: Allure metadata, summary.json/summary.md, junit.xml and HTML."""
