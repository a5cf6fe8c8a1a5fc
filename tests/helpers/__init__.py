"""What several test modules share, named by what it holds (databases, clients, HTML,
servers, browsers, documents, PDFs, sign-on): test modules and conftest files import from
here, never from one another, so that each test module stands alone."""
