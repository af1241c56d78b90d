"""SLiMS: import a library's catalogue and member cards, and let members claim their card.

- `records`: the plain records both routes produce, and how a row is checked;
- `oai`: pages of an OAI-PMH (`oai_dc`) harvest; `source_db`: pages of SLiMS's tables;
  `source_csv`: SLiMS's member export;
- `catalogue` and `cards`: apply a page to the database (no commit; the caller owns it);
- `runs`: one import as a loop of pages, each advancing the stored cursor;
- `claims`: a member (or a child's guardian) claims a card.
"""
