"""Turning articles into intelligence: vendor matching, clustering into stories, summaries and key facts."""
