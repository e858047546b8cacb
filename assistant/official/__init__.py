"""Official publications: add letters by identifier, citation, URL or dossier, and keep
followed dossiers up to date (issue 15).

    identifiers.py  what a user gives: kst-36450-3, "Kamerstuk 36 450, nr. 3", URLs of
                    zoek.officielebekendmakingen.nl, repository.overheid.nl, tweedekamer.nl
    http.py         one polite HTTP client: timeouts, retries with backoff, one request at a
                    time per host, a User-Agent, proxy settings, size limits, cut-off bodies
    koop.py         KOOP's repository: SRU look-up and paging, metadata.xml, checked downloads
                    (the "fout404" page that answers HTTP 200 is never taken for a document)
    tk.py           the Tweede Kamer's OData: Document by dossier and volgnummer, resources
    opxml.py        the structure of the official XML: headings, footnotes, Vraag/Antwoord,
                    signatories
    layout.py       the XML's paragraphs on the PDF's printed pages; exact metadata
    follow.py       followed dossiers and their sync state (followed.json in the index folder)
    service.py      add / add_dossier / follow / unfollow / sync, one FileResult per document
    web.py          the API routes and the Corpus tab's controls

Nothing here is imported, and nothing reaches the network, unless one of those commands runs.
"""
