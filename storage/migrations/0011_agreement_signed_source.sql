-- Who gives an agreement's day where the district's text gives only the year (issue 8: "6 June 1999,
-- per inforing.net"). Empty when the district's text or a staff member gives the date as it stands;
-- staff setting the date clear it.

ALTER TABLE agreements ADD COLUMN signed_source TEXT NOT NULL DEFAULT '';
